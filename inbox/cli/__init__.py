"""The `cahts` command line: core subcommands live here, `serve` is added by web.cli."""

"""What an operator must know about a configuration: the start report and `cahts doctor`."""

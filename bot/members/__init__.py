"""What a member sets once for every feature: their time zone."""

"""One extension per feature. Cogs are thin: parse input, call the domain, render the reply."""

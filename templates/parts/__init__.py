"""Building blocks shared by the templates, one AWS concept per module."""

"""The one error type a user of the build can cause."""


class ConfigError(ValueError):
    """Bad input to a template or a part.

    The message is one line that names the offending value and says how to fix it;
    ``build.py`` prints it as is and exits 2.
    """

"""Where the app meets the operating system: folders, start at login, one instance per user, bundled
resources and licence texts. Imports nothing else of the app, and no Qt."""

"""The acceptance page that the invitation's link opens (aiohttp)."""

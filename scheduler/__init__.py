"""What airs when and where: the unit tree, stations, templates, campaigns, playlists.

Imports audio_library, never radio or Flask.
"""

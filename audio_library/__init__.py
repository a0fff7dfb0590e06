"""Segments and their audio: storage, probing, transcoding, loudness and text-to-speech.

The lowest of the three packages: it imports neither Flask nor the other two.
"""

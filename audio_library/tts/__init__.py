"""Text to speech: Vietnamese text to audio through interchangeable engines."""

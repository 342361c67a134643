"""Libraries seeking a sister: open posts, and telling two posters once when their posts fit."""

"""Pixels in and out: decoding, encoding, masks, sizes and the outbound fetch of image URLs."""

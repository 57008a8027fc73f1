"""Making tensors: from data, filled, ranges, random (and the generator they draw from); casts and copies."""

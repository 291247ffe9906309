"""Real CT datasets for training: readers that write the same cache format as the phantoms."""

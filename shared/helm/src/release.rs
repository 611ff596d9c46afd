//! release (in progress).

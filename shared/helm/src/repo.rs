//! repo (in progress).

//! package (in progress).

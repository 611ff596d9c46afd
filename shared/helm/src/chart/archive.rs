//! Safe `.tgz` extraction (in progress).

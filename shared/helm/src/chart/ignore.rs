//! `.helmignore` rules (in progress).

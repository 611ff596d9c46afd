//! Domain of the pipeline: configuration, tag policy, the execution state machine, message envelopes and ports. No I/O..

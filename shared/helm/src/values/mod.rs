//! Values: reading values files, `--set` parsing (Helm's strvals), coalescing chart
//! defaults with user values (globals, subchart scoping, null deletes), dependency
//! processing (condition, tags, alias, import-values) and `values.schema.json`.

//! Go `text/template`: lexer, parser and executor with Helm's options.

//! The command line: arguments, validated settings and one module per command.

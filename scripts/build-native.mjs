// Placeholder: replaced by the native build script.

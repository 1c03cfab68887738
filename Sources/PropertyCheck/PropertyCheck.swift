// Placeholder removed once the engine lands.

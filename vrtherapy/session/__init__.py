"""The clinical core: events, state, commands, progression policies, prompts, the
store, clients and the synthetic client. No rendering and no GL here."""

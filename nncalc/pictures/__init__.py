"""Pictures of a problem: network and graph diagrams (SVG, DOT, Mermaid), loss sweeps, gradient
sizes by layer and activation plots. Each reads a problem's trace or calls the engine; none has
math of its own."""

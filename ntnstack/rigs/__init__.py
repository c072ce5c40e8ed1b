"""ntnstack.rigs - rig farms: scenario terminals on modules held through a labgrid coordinator.

``places`` names what to hold (a place by name, or any free place with given tags) and turns
a held place's serial resources into testbed ports; ``labgrid`` talks to the coordinator
(imported lazily: the rest of ntnstack works without labgrid installed). docs/rigs.md
"Rig farms through labgrid".
"""

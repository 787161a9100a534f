// PolybitSearch has no code yet; its tests arrive with `polybit pick`.
import Testing

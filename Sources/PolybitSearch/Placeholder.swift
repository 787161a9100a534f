// PolybitSearch

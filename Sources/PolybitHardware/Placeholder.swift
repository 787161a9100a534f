// PolybitHardware

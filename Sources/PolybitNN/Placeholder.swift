// PolybitNN

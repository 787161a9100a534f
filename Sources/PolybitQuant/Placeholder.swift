// PolybitQuant

// PolybitSim

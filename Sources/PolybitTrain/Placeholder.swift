// PolybitTrain

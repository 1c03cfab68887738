print("losscheck")

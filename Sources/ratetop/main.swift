print("ratetop")

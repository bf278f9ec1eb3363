print("animerec")

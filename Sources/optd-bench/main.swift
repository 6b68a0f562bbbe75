print("optd-bench")

print("http1-echo: not yet built")

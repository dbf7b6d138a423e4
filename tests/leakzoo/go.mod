module leakzoo

go 1.17

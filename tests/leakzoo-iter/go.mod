module leakzoo-iter

go 1.23

require leakzoo v0.0.0

replace leakzoo => ../leakzoo

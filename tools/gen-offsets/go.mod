module gostray/tools/gen-offsets

go 1.17

module libdcs.dev/go/dcs

go 1.19

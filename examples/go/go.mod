module libdcs.local/dcs

go 1.19

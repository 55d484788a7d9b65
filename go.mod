module github.com/glimpse-image/glimpse

go 1.26

require github.com/google/uuid v1.6.0 // indirect

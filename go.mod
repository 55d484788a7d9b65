module github.com/glimpse-image/glimpse

go 1.26

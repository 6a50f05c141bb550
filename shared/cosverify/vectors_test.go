package cosverify

import "cosgate/shared/cossign"

// The example account of the signing vectors in shared/cossign's tests.
const (
	vecID    = "AKIDEXAMPLEsecretid0123456789abcdef"
	vecKey   = "EXAMPLEsecretKey0123456789abcdef"
	vecToken = "EXAMPLEtoken+/=&:xyz"
	vecHost  = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
)

var vecEndpoint = cossign.Endpoint{Scheme: "https", Host: vecHost}

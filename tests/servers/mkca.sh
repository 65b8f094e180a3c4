#!/bin/sh
# mkca.sh DIR: makes the certificates the tests need, with openssl, in DIR:
#   ca.pem ca.key                  the test CA
#   server.pem server.key          for 127.0.0.1 and localhost, by the test CA
#   wronghost.pem wronghost.key    for wrong.host.invalid only, by the test CA
#   client.pem client.key          a client certificate, by the test CA
#   other-ca.pem other-ca.key      a second CA that nobody trusts
#   other-client.pem other-client.key  a client certificate by the other CA
# Keys are EC P-256 (fast to make); certificates last 30 days.
set -eu

dir=${1:?usage: mkca.sh DIR}
mkdir -p "$dir"
cd "$dir"

days=30

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1" 2>/dev/null
	chmod 600 "$1"
}

# ca NAME CN
ca() {
	key "$1.key"
	openssl req -new -x509 -days "$days" -key "$1.key" -out "$1.pem" \
		-subj "/O=cloudwatchlogsbeat tests/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash" 2>/dev/null
}

# cert NAME CA CN EXTENSIONS
cert() {
	key "$1.key"
	openssl req -new -key "$1.key" -out "$1.csr" \
		-subj "/O=cloudwatchlogsbeat tests/CN=$3" 2>/dev/null
	printf '%s\n' "$4" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
		-CAcreateserial -days "$days" -sha256 -extfile "$1.ext" \
		-out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

leaf='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
authorityKeyIdentifier=keyid,issuer'

ca ca "cloudwatchlogsbeat test CA"
ca other-ca "unknown test CA"
cert server ca 127.0.0.1 "$leaf
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:::1"
cert wronghost ca wrong.host.invalid "$leaf
extendedKeyUsage=serverAuth
subjectAltName=DNS:wrong.host.invalid"
cert client ca cwl-test-client "$leaf
extendedKeyUsage=clientAuth"
cert other-client other-ca cwl-test-client "$leaf
extendedKeyUsage=clientAuth"
rm -f ca.srl other-ca.srl

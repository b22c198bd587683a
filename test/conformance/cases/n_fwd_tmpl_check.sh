# The fwd direction's template check on a tunnel gateway: reqid, proto and tunnel source must agree with the SA that decapsulated the packet (XfrmInTmplMismatch), the tunnel destination is not compared, a fwd policy without a template does not accept a tunnelled packet, and a block fwd policy counts XfrmInPolBlock.
. ./lib.sh
. ./n_lib.bash
# fwdcase N TMPL... : fresh topology; gateway kN's fwd policy for h1 -> h2 has the given template words
fwdcase() { local n=$1; shift; gwtun h$n g$n r$n k$n t$n
  gwpol g$n k$n; gwsa g$n k$n
  x g$n ip xfrm policy add src 4322::/64 dst 4321::/64 dir fwd tmpl src 4324::2 dst 4323::1 proto esp reqid 2 mode tunnel
  x k$n ip xfrm policy add src 4321::/64 dst 4322::/64 dir fwd "$@"
  pingt h$n 4322::2; xstat "T$n" k$n; }
note "T1: template reqid 9 (SA has reqid 1)";          fwdcase 1 tmpl src 4323::1 dst 4324::2 proto esp reqid 9 mode tunnel
note "T2: template reqid 0 (any reqid on input)";      fwdcase 2 tmpl src 4323::1 dst 4324::2 proto esp mode tunnel
note "T3: template proto ah";                          fwdcase 3 tmpl src 4323::1 dst 4324::2 proto ah reqid 1 mode tunnel
note "T4: template tunnel src 4323::9";                fwdcase 4 tmpl src 4323::9 dst 4324::2 proto esp reqid 1 mode tunnel
note "T5: template tunnel dst 4324::9";                fwdcase 5 tmpl src 4323::1 dst 4324::9 proto esp reqid 1 mode tunnel
note "T6: no template (allow)";                        fwdcase 6
note "T7: action block";                               fwdcase 7 action block
note "T8: transport-mode template";                    fwdcase 8 tmpl proto esp reqid 1 mode transport
note "T9: template spi 0xa01 level use";               fwdcase 9 tmpl src 4323::1 dst 4324::2 proto esp spi 0xa01 mode tunnel level use

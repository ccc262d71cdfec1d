// The column matrix of convolution, shared with the convolutional MID-L kernel (midl_conv.cc).
#pragma once

#include "common.h"

namespace midl {

// cols (C*kh*kw x outH*outW) of one image x (C x H x W) for the window geometry s
// (s.batch is ignored); conv.cc.
void im2col(const ConvShape& s, const float* x, float* cols);

}  // namespace midl

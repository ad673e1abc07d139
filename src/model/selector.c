#include "model/selector.h"

#include "core/ops.h"

Tensor *selector_loss(Graph *g, const EcgEncoder *enc, const EcgEncoding *e, Tensor *text_emb, double tau) {
    if (!e->sel_logits) graph_shape_error("selector_loss", "the encoder has no selector");
    const int B = e->layout.B, T = e->layout.T, E = enc->cfg.embed_dim;
    /* cos(projected token state, report): [B, T, E] x [B, E, 1] -> [B, T] */
    Tensor *tok = op_l2_normalize(g, op_linear(g, e->states, enc->proj_w, NULL), 1e-12);          /* [B, T, E] */
    Tensor *rep = op_reshape(g, op_l2_normalize(g, op_stop_gradient(g, text_emb), 1e-12), SHAPE(B, E, 1));
    Tensor *sim = op_reshape(g, op_matmul(g, tok, rep, 0, 0), SHAPE(B, T));
    Tensor *target = op_stop_gradient(g, op_softmax(g, op_scale(g, sim, 1 / tau), e->pool_mask));
    return op_kl_div(g, op_log_softmax(g, e->sel_logits, e->pool_mask), target);
}

// The WebRTC half of the call: one RTCPeerConnection per remote member, negotiated with the
// "perfect negotiation" pattern. It knows nothing about SignalR: relay() carries its messages.
export function createMesh({ state, relay, recordError, render }) {
  function replacePeer(peerId, polite, { awaitOffer = false } = {}) {
    closePeer(peerId);
    const pc = new RTCPeerConnection({ iceServers: state.iceServers });
    // Negotiated with a fixed id on both ends: neither side waits for the other's ondatachannel,
    // and glare cannot produce two chat channels.
    const channel = pc.createDataChannel("chat", { negotiated: true, id: 0 });
    const peer = { peerId, polite, pc, channel, makingOffer: false, ignoreOffer: false, settingRemoteAnswer: false, stream: null, awaitOffer };
    state.peers.set(peerId, peer);

    // Perfect negotiation resolves glare, but Chromium sometimes stops gathering ICE candidates for
    // a peer connection whose first offer was rolled back in a collision, leaving that pair at ICE
    // "new" for good. Both sides offering at once is the rule when someone joins, so the older member
    // waits for the newcomer's offer; the newcomer's offer carries both sides' tracks and the chat
    // channel. If it never comes (a client that only answers), the older member offers after all.
    if (awaitOffer) {
      setTimeout(() => {
        if (peer.awaitOffer && state.peers.get(peerId) === peer) {
          peer.awaitOffer = false;
          pc.onnegotiationneeded();
        }
      }, 5000);
    }

    for (const track of state.localStream?.getTracks() ?? []) pc.addTrack(track, state.localStream);

    pc.onnegotiationneeded = async () => {
      if (peer.awaitOffer) return;
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        await relay("Offer", { toPeerId: peerId, sdp: pc.localDescription.sdp });
      } catch (error) {
        recordError("negotiation", error);
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      // A null (or, in older browsers, empty) candidate is end-of-candidates; the hub relays null as such.
      const init = candidate && candidate.candidate ? candidate.toJSON() : null;
      relay("IceCandidate", { toPeerId: peerId, candidate: init });
    };
    pc.ontrack = ({ streams: [stream] }) => {
      peer.stream = stream;
      render();
    };
    pc.oniceconnectionstatechange = () => {
      // "failed" needs a fresh ICE round; the impolite side's restart goes through negotiationneeded.
      if (pc.iceConnectionState === "failed") pc.restartIce();
      render();
    };
    pc.onconnectionstatechange = render;
    pc.onsignalingstatechange = render;
    channel.onopen = render;
    channel.onclose = render;
    channel.onmessage = ({ data }) => {
      try {
        const message = JSON.parse(data);
        state.messages.push({ from: peerId, name: String(message.name ?? peerId), text: String(message.text ?? ""), at: Date.now() });
      } catch {
        state.messages.push({ from: peerId, name: peerId, text: String(data), at: Date.now() });
      }
      render();
    };
    return peer;
  }

  // Perfect negotiation (W3C WebRTC 1.0, section 10.7): the polite side yields on glare, the impolite side ignores the colliding offer.
  async function onDescription(fromPeerId, description) {
    // An offer from someone we have not heard about can only come from a newer joiner that saw us in its join result.
    const peer = state.peers.get(fromPeerId) ?? replacePeer(fromPeerId, false);
    const { pc } = peer;
    if (description.type === "offer") peer.awaitOffer = false;
    const readyForOffer = !peer.makingOffer && (pc.signalingState === "stable" || peer.settingRemoteAnswer);
    const collision = description.type === "offer" && !readyForOffer;
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;

    peer.settingRemoteAnswer = description.type === "answer";
    await pc.setRemoteDescription(description);
    peer.settingRemoteAnswer = false;
    if (description.type === "offer") {
      await pc.setLocalDescription();
      await relay("Answer", { toPeerId: fromPeerId, sdp: pc.localDescription.sdp });
    }
  }

  async function onCandidate(fromPeerId, candidate) {
    const peer = state.peers.get(fromPeerId);
    if (!peer) return;
    try {
      // No argument means end-of-candidates.
      await (candidate ? peer.pc.addIceCandidate(candidate) : peer.pc.addIceCandidate());
    } catch (error) {
      // Candidates for an offer we deliberately ignored are expected to fail.
      if (!peer.ignoreOffer) recordError("addIceCandidate", error);
    }
  }

  function closePeer(peerId) {
    const peer = state.peers.get(peerId);
    if (!peer) return;
    peer.channel.close();
    peer.pc.close();
    state.peers.delete(peerId);
  }

  function closeAllPeers() {
    for (const peerId of [...state.peers.keys()]) closePeer(peerId);
    render();
  }

  function sendChat(text) {
    const payload = JSON.stringify({ name: state.name || state.peerId, text });
    let sent = 0;
    for (const peer of state.peers.values()) {
      if (peer.channel.readyState === "open") {
        peer.channel.send(payload);
        sent++;
      }
    }
    state.messages.push({ from: state.peerId, name: "you", text, at: Date.now() });
    render();
    return sent;
  }

  return { replacePeer, onDescription, onCandidate, closePeer, closeAllPeers, sendChat };
}

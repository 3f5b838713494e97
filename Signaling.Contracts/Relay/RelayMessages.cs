namespace Signaling.Contracts.Relay;

/// <summary>Argument of <c>Offer</c> and <c>Answer</c>: an SDP for one peer of a room.</summary>
/// <param name="RoomId">A room the sender is an active member of.</param>
/// <param name="ToPeerId">An active member of the same room.</param>
/// <param name="Sdp">The session description, at most 64 KiB.</param>
public sealed record SdpMessage(string RoomId, string ToPeerId, string Sdp);

/// <summary>Event <c>Offer</c> or <c>Answer</c>: an SDP relayed from another peer.</summary>
/// <param name="RoomId">The room.</param>
/// <param name="FromPeerId">The sender, set by the server.</param>
/// <param name="Sdp">The session description.</param>
public sealed record RelayedSdp(string RoomId, string FromPeerId, string Sdp);

/// <summary>An ICE candidate, as <c>RTCIceCandidateInit</c>.</summary>
/// <param name="Candidate">The candidate line, at most 2 KiB; empty for an end-of-candidates marker of one generation.</param>
/// <param name="SdpMid">The media stream id.</param>
/// <param name="SdpMLineIndex">The m-line index.</param>
/// <param name="UsernameFragment">The ICE ufrag.</param>
public sealed record IceCandidateInit(string Candidate, string? SdpMid = null, int? SdpMLineIndex = null, string? UsernameFragment = null);

/// <summary>Argument of <c>IceCandidate</c>.</summary>
/// <param name="RoomId">A room the sender is an active member of.</param>
/// <param name="ToPeerId">An active member of the same room.</param>
/// <param name="Candidate">The candidate; <see langword="null"/> means end of candidates.</param>
public sealed record IceCandidateMessage(string RoomId, string ToPeerId, IceCandidateInit? Candidate);

/// <summary>Event <c>IceCandidate</c>: a candidate relayed from another peer.</summary>
/// <param name="RoomId">The room.</param>
/// <param name="FromPeerId">The sender, set by the server.</param>
/// <param name="Candidate">The candidate; <see langword="null"/> means end of candidates.</param>
public sealed record RelayedIceCandidate(string RoomId, string FromPeerId, IceCandidateInit? Candidate);
